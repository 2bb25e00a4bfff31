<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario: merchants, their login sessions and their wares.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('merchants', function (Blueprint $table) {
            $table->increments('id');
            $table->string('email')->unique();
            $table->string('name');
            $table->string('password_hash');
        });
        Schema::create('sessions', function (Blueprint $table) {
            $table->string('token_hash')->primary();
            $table->unsignedInteger('merchant_id');
            $table->unsignedBigInteger('expires_at');
            $table->foreign('merchant_id')->references('id')->on('merchants');
        });
        Schema::create('wares', function (Blueprint $table) {
            $table->increments('id');
            $table->unsignedInteger('merchant_id');
            $table->text('name');
            $table->text('description');
            $table->double('price');
            $table->foreign('merchant_id')->references('id')->on('merchants');
        });
    }

    public function down()
    {
        Schema::dropIfExists('wares');
        Schema::dropIfExists('sessions');
        Schema::dropIfExists('merchants');
    }
};
