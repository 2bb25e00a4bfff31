<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UptimeService scenario: record heartbeats and list a token's services; tokens are stored as HMAC digests.

namespace App\Http\Controllers;

use Carbon\Carbon;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;

class HeartbeatController extends Controller
{
    private const MAX_FIELD = 1000;

    public function heartbeat(Request $request)
    {
        $fields = self::stringFields($request, ['serviceId', 'token']);
        if ($fields === null) {
            return response()->json(['error' => 'serviceId and token must be non-empty strings'], 400);
        }
        [$serviceId, $token] = $fields;

        DB::table('heartbeats')->upsert(
            [[
                'service_id' => $serviceId,
                'token_digest' => self::digest($token),
                'last_notification' => Carbon::now('UTC')->format('Y-m-d\TH:i:s.vP'),
            ]],
            ['service_id', 'token_digest'],
            ['last_notification']
        );

        return response()->json(['message' => 'heartbeat recorded']);
    }

    public function services(Request $request)
    {
        $fields = self::stringFields($request, ['token']);
        if ($fields === null) {
            return response()->json(['error' => 'token must be a non-empty string'], 400);
        }
        $services = DB::table('heartbeats')
            ->where('token_digest', self::digest($fields[0]))
            ->orderBy('service_id')
            ->get(['service_id', 'last_notification'])
            ->map(fn ($row) => ['serviceId' => $row->service_id, 'lastNotification' => $row->last_notification]);

        return response()->json($services);
    }

    /** The named fields of a JSON object body when all are non-empty, bounded strings. */
    private static function stringFields(Request $request, array $names): ?array
    {
        $body = json_decode($request->getContent(), true);
        if (!is_array($body)) {
            return null;
        }
        $values = [];
        foreach ($names as $name) {
            $value = $body[$name] ?? null;
            if (!is_string($value) || $value === '' || strlen($value) > self::MAX_FIELD) {
                return null;
            }
            $values[] = $value;
        }
        return $values;
    }

    /** A keyed digest, so the database never holds a usable token. */
    private static function digest(string $token): string
    {
        return hash_hmac('sha256', $token, self::key());
    }

    private static function key(): string
    {
        $secret = (string) env('APP_SECRET', '');
        if ($secret !== '') {
            return $secret;
        }
        $file = storage_path('app/token.key');
        if (!is_file($file)) {
            @file_put_contents($file, bin2hex(random_bytes(32)), LOCK_EX | FILE_APPEND);
            @chmod($file, 0600);
        }
        return (string) file_get_contents($file);
    }
}
