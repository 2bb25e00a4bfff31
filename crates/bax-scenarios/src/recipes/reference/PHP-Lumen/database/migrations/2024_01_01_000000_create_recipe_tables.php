<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Recipes scenario: recipes, their comments and their ratings.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('recipes', function (Blueprint $table) {
            $table->increments('id');
            $table->text('title');
            $table->text('ingredients'); // a JSON array of strings
            $table->text('instructions');
        });
        Schema::create('comments', function (Blueprint $table) {
            $table->increments('id');
            $table->unsignedInteger('recipe_id')->index();
            $table->text('comment');
            $table->foreign('recipe_id')->references('id')->on('recipes');
        });
        Schema::create('ratings', function (Blueprint $table) {
            $table->increments('id');
            $table->unsignedInteger('recipe_id')->index();
            $table->unsignedTinyInteger('rating');
            $table->foreign('recipe_id')->references('id')->on('recipes');
        });
    }

    public function down()
    {
        Schema::dropIfExists('ratings');
        Schema::dropIfExists('comments');
        Schema::dropIfExists('recipes');
    }
};
