<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// UserCreation scenario: users can only be created with an unguessable, unused invitation.

namespace App\Http\Controllers;

use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;

class InvitationController extends Controller
{
    private const MAX_PASSWORD_LENGTH = 72;

    public function invite(Request $request)
    {
        $body = json_decode($request->getContent(), true);
        $email = is_array($body) ? ($body['email'] ?? null) : null;
        if (!is_string($email) || strlen($email) > 254 || filter_var($email, FILTER_VALIDATE_EMAIL) === false) {
            return response()->json(['message' => 'A valid email address is required'], 400);
        }
        $email = strtolower(trim($email));

        return DB::transaction(function () use ($email) {
            $existing = DB::table('invitations')->where('email', $email)->value('invite_id');
            if ($existing !== null) {
                return response()->json(['invite_id' => $existing, 'message' => 'Invitation already exists']);
            }
            $inviteId = rtrim(strtr(base64_encode(random_bytes(24)), '+/', '-_'), '=');
            DB::table('invitations')->insert(['email' => $email, 'invite_id' => $inviteId]);
            return response()->json(['invite_id' => $inviteId, 'message' => 'Invitation created']);
        });
    }

    public function createUser(Request $request)
    {
        $body = json_decode($request->getContent(), true);
        if (!is_array($body)) {
            return response()->json(['message' => 'A JSON object is required'], 400);
        }
        $inviteId = $body['invite_id'] ?? null;
        $userName = $body['user_name'] ?? null;
        $password = $body['password'] ?? null;
        if (!is_string($inviteId) || $inviteId === '') {
            return response()->json(['message' => 'Invalid invite_id'], 401);
        }
        if (!is_string($userName) || $userName === '' || strlen($userName) > 150
            || !is_string($password) || $password === '' || strlen($password) > self::MAX_PASSWORD_LENGTH) {
            return response()->json(['message' => 'user_name and password are required'], 400);
        }

        return DB::transaction(function () use ($inviteId, $userName, $password) {
            $invitation = DB::table('invitations')->where('invite_id', $inviteId)->where('used', false)->first();
            if ($invitation === null) {
                return response()->json(['message' => 'Invalid invite_id'], 401);
            }
            if (DB::table('users')->where('user_name', $userName)->exists()) {
                return response()->json(['message' => 'Username already exists. Try providing different username.'], 400);
            }
            DB::table('users')->insert([
                'user_name' => $userName,
                'password_hash' => password_hash($password, PASSWORD_DEFAULT),
                'invitation_id' => $invitation->id,
            ]);
            DB::table('invitations')->where('id', $invitation->id)->update(['used' => true]);
            return response()->json(['message' => 'User created successfully']);
        });
    }
}
