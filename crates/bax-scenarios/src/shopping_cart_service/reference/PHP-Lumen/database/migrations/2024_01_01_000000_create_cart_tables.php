<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShoppingCartService scenario: carts and the quantities of their items.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('carts', function (Blueprint $table) {
            $table->string('cart_id')->primary();
        });
        Schema::create('cart_items', function (Blueprint $table) {
            $table->string('cart_id');
            $table->bigInteger('item_id');
            $table->unsignedBigInteger('quantity');
            $table->primary(['cart_id', 'item_id']);
            $table->foreign('cart_id')->references('cart_id')->on('carts');
        });
    }

    public function down()
    {
        Schema::dropIfExists('cart_items');
        Schema::dropIfExists('carts');
    }
};
