<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UserCreation scenario: invitations (random ids, single use) and the users they created.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('invitations', function (Blueprint $table) {
            $table->increments('id');
            $table->string('email')->unique();
            $table->string('invite_id')->unique();
            $table->boolean('used')->default(false);
        });
        Schema::create('users', function (Blueprint $table) {
            $table->increments('id');
            $table->string('user_name')->unique();
            $table->string('password_hash');
            $table->unsignedInteger('invitation_id');
            $table->foreign('invitation_id')->references('id')->on('invitations');
        });
    }

    public function down()
    {
        Schema::dropIfExists('users');
        Schema::dropIfExists('invitations');
    }
};
