<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ProductCatalog scenario: products and their free-form string properties.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('products', function (Blueprint $table) {
            $table->increments('id');
            $table->string('name')->unique();
        });
        Schema::create('properties', function (Blueprint $table) {
            $table->unsignedInteger('product_id');
            $table->string('key');
            $table->text('value');
            $table->primary(['product_id', 'key']);
            $table->foreign('product_id')->references('id')->on('products')->onDelete('cascade');
        });
        $id = DB::table('products')->insertGetId(['name' => 'Example product']);
        DB::table('properties')->insert(['product_id' => $id, 'key' => 'category', 'value' => 'example']);
    }

    public function down()
    {
        Schema::dropIfExists('properties');
        Schema::dropIfExists('products');
    }
};
