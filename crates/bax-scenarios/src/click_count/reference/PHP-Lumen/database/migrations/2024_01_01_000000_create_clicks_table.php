<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ClickCount scenario: the clicks table.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('clicks', function (Blueprint $table) {
            $table->string('id')->primary();
            $table->string('timestamp')->index();
        });
    }

    public function down()
    {
        Schema::dropIfExists('clicks');
    }
};
