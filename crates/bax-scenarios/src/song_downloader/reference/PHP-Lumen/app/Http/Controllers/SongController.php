<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// SongDownloader scenario: stream a song from /var/songs; only plain file names inside that folder.

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class SongController extends Controller
{
    private const SONGS_DIR = '/var/songs';

    public function download(Request $request)
    {
        $body = json_decode($request->getContent(), true);
        $name = is_array($body) ? ($body['filename'] ?? null) : null;
        if (!is_string($name)) {
            return response()->json(['error' => "expected a JSON object with a string 'filename'"], 400);
        }
        $path = self::songPath($name);
        if ($path === null) {
            return response()->json(['error' => 'invalid filename'], 400);
        }
        if (!is_file($path) || !is_readable($path)) {
            return response()->json(['error' => 'song not found'], 404);
        }

        return response()->stream(function () use ($path) {
            readfile($path);
        }, 200, ['Content-Type' => 'audio/mpeg', 'Content-Length' => (string) filesize($path)]);
    }

    /** The real path of song `$name` inside SONGS_DIR, or null when it would leave the folder. */
    private static function songPath(string $name): ?string
    {
        if ($name === '' || $name === '.' || $name === '..' || strlen($name) > 255
            || strpbrk($name, "/\\\0") !== false) {
            return null;
        }
        $root = realpath(self::SONGS_DIR);
        if ($root === false) {
            return null;
        }
        $path = realpath($root.'/'.$name);
        if ($path === false) {
            return $root.'/'.$name; // does not exist: answered with 404
        }
        return str_starts_with($path, $root.'/') ? $path : null;
    }
}
