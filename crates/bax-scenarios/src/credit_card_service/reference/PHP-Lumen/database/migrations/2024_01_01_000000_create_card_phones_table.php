<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// CreditCardService scenario: card-phone associations.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('card_phones', function (Blueprint $table) {
            $table->string('credit_card');
            $table->string('phone')->index();
            $table->primary(['credit_card', 'phone']);
        });
    }

    public function down()
    {
        Schema::dropIfExists('card_phones');
    }
};
