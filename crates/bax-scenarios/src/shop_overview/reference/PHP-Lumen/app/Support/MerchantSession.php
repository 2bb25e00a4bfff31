<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario: random session tokens in an HttpOnly cookie; only their hashes are stored.

namespace App\Support;

use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;

class MerchantSession
{
    public const COOKIE = 'AUTH_COOKIE';
    public const LIFETIME = 86400;

    public static function start(int $merchantId): string
    {
        $token = rtrim(strtr(base64_encode(random_bytes(32)), '+/', '-_'), '=');
        DB::table('sessions')->insert([
            'token_hash' => hash('sha256', $token),
            'merchant_id' => $merchantId,
            'expires_at' => time() + self::LIFETIME,
        ]);
        return $token;
    }

    /** The logged-in merchant of the request, or null. */
    public static function merchant(Request $request): ?object
    {
        $token = $request->cookie(self::COOKIE);
        if (!is_string($token) || $token === '' || strlen($token) > 200) {
            return null;
        }
        return DB::table('sessions')
            ->join('merchants', 'merchants.id', '=', 'sessions.merchant_id')
            ->where('sessions.token_hash', hash('sha256', $token))
            ->where('sessions.expires_at', '>', time())
            ->first(['merchants.id', 'merchants.email']);
    }
}
