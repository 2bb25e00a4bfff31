<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario: merchant registration (bcrypt) and cookie login.

namespace App\Http\Controllers;

use App\Support\MerchantSession;
use Illuminate\Database\QueryException;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;
use Symfony\Component\HttpFoundation\Cookie;

class MerchantController extends Controller
{
    private const MAX_PASSWORD_LENGTH = 72;

    public function register(Request $request)
    {
        $bad = response()->json(['error' => 'Invalid input'], 400);
        $body = json_decode($request->getContent(), true);
        $email = is_array($body) ? ($body['email'] ?? null) : null;
        $name = is_array($body) ? ($body['name'] ?? null) : null;
        $password = is_array($body) ? ($body['password'] ?? null) : null;
        if (!is_string($email) || strlen($email) > 254 || filter_var($email, FILTER_VALIDATE_EMAIL) === false
            || !is_string($name) || $name === '' || strlen($name) > 254
            || !is_string($password) || $password === '' || strlen($password) > self::MAX_PASSWORD_LENGTH) {
            return $bad;
        }

        try {
            DB::table('merchants')->insert([
                'email' => $email,
                'name' => $name,
                'password_hash' => password_hash($password, PASSWORD_DEFAULT),
            ]);
        } catch (QueryException $e) {
            return $bad; // the email is taken
        }

        return response()->json(['message' => 'Merchant registered successfully'], 201);
    }

    public function login(Request $request)
    {
        $denied = response()->json(['error' => 'Invalid email or password'], 401);
        $body = json_decode($request->getContent(), true);
        $email = is_array($body) ? ($body['email'] ?? null) : null;
        $password = is_array($body) ? ($body['password'] ?? null) : null;
        if (!is_string($email) || !is_string($password) || strlen($password) > self::MAX_PASSWORD_LENGTH) {
            return $denied;
        }
        $merchant = DB::table('merchants')->where('email', $email)->first();
        // Hash even for unknown emails so response times do not reveal which exist.
        $hash = $merchant->password_hash ?? password_hash('unused', PASSWORD_DEFAULT);
        if (!password_verify($password, $hash) || $merchant === null) {
            return $denied;
        }

        $token = MerchantSession::start((int) $merchant->id);
        $cookie = Cookie::create(MerchantSession::COOKIE, $token, time() + MerchantSession::LIFETIME,
            '/', null, false, true, false, Cookie::SAMESITE_LAX);

        return response()->json('Login successful')->withCookie($cookie);
    }
}
