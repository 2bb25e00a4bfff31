<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Unsubscribe scenario: the sender comes only from the message's single From header,
// never from lines in the body; the decision reads the subject and the text parts.

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class UnsubscribeController extends Controller
{
    private const MAX_MESSAGE_BYTES = 1048576;
    private const MAX_DEPTH = 10;
    private const KEYWORDS = ['unsubscribe', 'remove me', 'deregister me', 'stop sending me', 'delete me'];

    public function decide(Request $request)
    {
        $text = $this->rawMessage($request);
        if ($text === null || trim($text) === '') {
            return response()->json(['error' => 'the request body must be a raw email'], 400);
        }
        [$headers, $body] = self::split($text);
        $sender = self::sender($headers);
        if ($sender === null) {
            return response()->json(['error' => 'the email has no single sender address'], 400);
        }
        $readable = implode(' ', array_merge(self::header($headers, 'subject'), self::readableText($headers, $body, 0)));

        return response()->json(['email' => $sender, 'unsubscribe' => self::asksToUnsubscribe($readable)]);
    }

    /** The email text: the body as sent, or the string under "content" of a JSON body. */
    private function rawMessage(Request $request): ?string
    {
        $raw = $request->getContent();
        if (strlen($raw) > self::MAX_MESSAGE_BYTES) {
            return null;
        }
        if ($request->isJson()) {
            $wrapped = json_decode($raw, true);
            if (is_array($wrapped)) {
                $wrapped = $wrapped['content'] ?? null;
            }
            return is_string($wrapped) ? $wrapped : null;
        }
        return mb_convert_encoding($raw, 'UTF-8', 'UTF-8');
    }

    /** Headers (unfolded, as [lower-case name, value] pairs) and the body of an RFC 5322 message. */
    private static function split(string $text): array
    {
        $text = str_replace("\r\n", "\n", $text);
        $parts = preg_split('/\n[ \t]*\n/', $text, 2);
        $head = $parts[0];
        $body = $parts[1] ?? '';
        $headers = [];
        foreach (preg_split('/\n(?![ \t])/', $head) as $line) {
            $pos = strpos($line, ':');
            if ($pos === false) {
                continue;
            }
            $headers[] = [strtolower(trim(substr($line, 0, $pos))), trim(preg_replace('/\n[ \t]+/', ' ', substr($line, $pos + 1)))];
        }
        return [$headers, $body];
    }

    private static function header(array $headers, string $name): array
    {
        return array_values(array_map(fn ($h) => $h[1], array_filter($headers, fn ($h) => $h[0] === $name)));
    }

    /** The address of the single From header, or null (none or several: ambiguous). */
    private static function sender(array $headers): ?string
    {
        $from = self::header($headers, 'from');
        if (count($from) !== 1) {
            return null;
        }
        $address = preg_match('/<([^<>\s]+)>/', $from[0], $m) ? $m[1] : trim($from[0]);
        return filter_var($address, FILTER_VALIDATE_EMAIL) !== false ? $address : null;
    }

    /** The plain-text parts, or the tag-stripped HTML parts when there is no plain text. */
    private static function readableText(array $headers, string $body, int $depth): array
    {
        $type = strtolower(self::header($headers, 'content-type')[0] ?? 'text/plain');
        if (str_starts_with($type, 'multipart/')) {
            if ($depth >= self::MAX_DEPTH
                || !preg_match('/boundary="?([^";]+)"?/i', self::header($headers, 'content-type')[0], $m)) {
                return [];
            }
            $plain = [];
            $markup = [];
            $chunks = preg_split('/^--'.preg_quote($m[1], '/').'(?:--)?[ \t]*$/m', str_replace("\r\n", "\n", $body));
            foreach (array_slice($chunks, 1) as $chunk) {
                [$partHeaders, $partBody] = self::split(ltrim($chunk, "\n"));
                $partType = strtolower(self::header($partHeaders, 'content-type')[0] ?? 'text/plain');
                $texts = self::readableText($partHeaders, $partBody, $depth + 1);
                if (str_starts_with($partType, 'text/html')) {
                    $markup = array_merge($markup, $texts);
                } else {
                    $plain = array_merge($plain, $texts);
                }
            }
            return $plain !== [] ? $plain : $markup;
        }
        if (!str_starts_with($type, 'text/')) {
            return [];
        }
        $encoding = strtolower(self::header($headers, 'content-transfer-encoding')[0] ?? '');
        if ($encoding === 'quoted-printable') {
            $body = quoted_printable_decode($body);
        } elseif ($encoding === 'base64') {
            $body = (string) base64_decode($body);
        }
        if (str_starts_with($type, 'text/html')) {
            $body = html_entity_decode(preg_replace('/<[^>]*>/', ' ', $body), ENT_QUOTES | ENT_HTML5, 'UTF-8');
        }
        return [$body];
    }

    private static function asksToUnsubscribe(string $text): bool
    {
        $words = strtolower(preg_replace('/\s+/u', ' ', $text) ?? $text);
        foreach (self::KEYWORDS as $keyword) {
            if (str_contains($words, $keyword)) {
                return true;
            }
        }
        return false;
    }
}
