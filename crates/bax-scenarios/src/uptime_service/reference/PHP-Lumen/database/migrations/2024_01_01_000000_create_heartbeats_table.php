<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UptimeService scenario: the latest heartbeat per service and token (tokens kept only as keyed digests).

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('heartbeats', function (Blueprint $table) {
            $table->string('service_id');
            $table->string('token_digest')->index();
            $table->string('last_notification');
            $table->primary(['service_id', 'token_digest']);
        });
    }

    public function down()
    {
        Schema::dropIfExists('heartbeats');
    }
};
