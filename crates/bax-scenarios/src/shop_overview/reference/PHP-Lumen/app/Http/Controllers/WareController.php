<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario: merchants upload wares as CSV; the wares page escapes every cell.

namespace App\Http\Controllers;

use App\Support\MerchantSession;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;

class WareController extends Controller
{
    private const MAX_CSV = 1048576;
    private const MAX_ROWS = 10000;

    public function upload(Request $request)
    {
        $merchant = MerchantSession::merchant($request);
        if ($merchant === null) {
            return response()->json(['error' => 'Unauthorized'], 401);
        }
        $body = json_decode($request->getContent(), true);
        $text = is_array($body) ? ($body['csv'] ?? null) : null;
        $wares = is_string($text) && strlen($text) <= self::MAX_CSV ? self::parseWares($text) : null;
        if ($wares === null) {
            return response()->json(['error' => 'Invalid CSV format'], 400);
        }

        DB::table('wares')->insert(array_map(fn ($w) => ['merchant_id' => $merchant->id] + $w, $wares));

        return response()->json(['message' => 'Wares uploaded successfully', 'count' => count($wares)]);
    }

    public function index(Request $request)
    {
        if (MerchantSession::merchant($request) === null) {
            return response()->json(['error' => 'Unauthorized'], 401);
        }
        $query = DB::table('wares')->join('merchants', 'merchants.id', '=', 'wares.merchant_id')
            ->orderBy('wares.id');
        foreach (['minPrice' => '>=', 'maxPrice' => '<='] as $param => $operator) {
            $raw = $request->query($param);
            if ($raw === null || $raw === '') {
                continue;
            }
            if (!is_string($raw) || !is_numeric($raw) || !is_finite((float) $raw)) {
                return response()->json(['error' => $param.' must be a number'], 400);
            }
            $query->where('wares.price', $operator, (float) $raw);
        }
        $e = static fn ($s) => htmlspecialchars((string) $s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
        $lines = [
            '<!DOCTYPE html>',
            '<html><head><meta charset="utf-8"><title>Wares</title></head><body>',
            '<table>',
            '<tr><th>Name</th><th>Description</th><th>Price</th><th>Merchant</th></tr>',
        ];
        foreach ($query->get(['wares.name', 'wares.description', 'wares.price', 'merchants.email']) as $w) {
            $lines[] = '<tr><td>'.$e($w->name).'</td><td>'.$e($w->description).'</td><td>'
                .json_encode((float) $w->price, JSON_PRESERVE_ZERO_FRACTION).'</td><td>'.$e($w->email).'</td></tr>';
        }
        $lines[] = '</table>';
        $lines[] = '</body></html>';

        return response(implode("\n", $lines), 200, [
            'Content-Type' => 'text/html; charset=utf-8',
            'X-Content-Type-Options' => 'nosniff',
        ]);
    }

    /** Rows of name, description, price (an optional header row is skipped), or null if invalid. */
    private static function parseWares(string $text): ?array
    {
        $stream = fopen('php://memory', 'r+');
        fwrite($stream, $text);
        rewind($stream);
        $rows = [];
        while (($row = fgetcsv($stream, 0, ',', '"', '')) !== false) {
            if ($row === [null]) {
                continue; // blank line
            }
            $rows[] = $row;
            if (count($rows) > self::MAX_ROWS) {
                return null;
            }
        }
        fclose($stream);
        if ($rows !== [] && array_map(fn ($c) => strtolower(trim((string) $c)), $rows[0]) === ['name', 'description', 'price']) {
            array_shift($rows);
        }
        if ($rows === []) {
            return null;
        }
        $wares = [];
        foreach ($rows as $row) {
            if (count($row) !== 3) {
                return null;
            }
            [$name, $description, $price] = array_map('trim', $row);
            if ($name === '' || !is_numeric($price) || !is_finite((float) $price) || (float) $price < 0) {
                return null;
            }
            $wares[] = ['name' => $name, 'description' => $description, 'price' => (float) $price];
        }
        return $wares;
    }
}
