<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Wiki scenario: entries and the history of their edits.

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::create('entries', function (Blueprint $table) {
            $table->string('id')->primary();
            $table->text('title');
            $table->text('content');
            $table->string('created_by');
            $table->string('last_modified_by');
            $table->string('last_modified_at');
        });
        Schema::create('edits', function (Blueprint $table) {
            $table->increments('seq');
            $table->string('entry_id')->index();
            $table->string('editor');
            $table->text('summary');
            $table->text('old_content');
            $table->text('new_content');
            $table->string('edited_at');
            $table->foreign('entry_id')->references('id')->on('entries');
        });
    }

    public function down()
    {
        Schema::dropIfExists('edits');
        Schema::dropIfExists('entries');
    }
};
