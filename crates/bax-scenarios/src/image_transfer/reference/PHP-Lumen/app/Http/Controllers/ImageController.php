<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ImageTransfer scenario: store uploaded images under random ids and serve them inline, never as pages.

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class ImageController extends Controller
{
    private const ID_PATTERN = '/^[a-f0-9]{32}$/D';

    private static function uploadDir(): string
    {
        $dir = storage_path('app/uploads');
        if (!is_dir($dir)) {
            @mkdir($dir, 0700, true);
        }
        return $dir;
    }

    public function upload(Request $request)
    {
        $file = $request->file('file');
        if ($file === null || !$file->isValid()) {
            return $this->error("a file must be sent in the 'file' field", 400);
        }
        $data = (string) file_get_contents($file->getRealPath());
        if ($data === '') {
            return $this->error('the uploaded file is empty', 400);
        }
        // Trust the content first; fall back to the client's claim only for image types
        // (served with nosniff and a sandboxing CSP, so it can never run as a page).
        $mimetype = self::sniffImageType($data);
        if ($mimetype === null) {
            $claim = strtolower((string) $file->getClientMimeType());
            if (!preg_match('#^image/[a-z0-9.+-]+$#', $claim) || $claim === 'image/svg+xml') {
                return $this->error('the uploaded file is not an image', 400);
            }
            $mimetype = $claim;
        }

        // The client's file name is never used: the id is random and names the stored file.
        $id = bin2hex(random_bytes(16));
        $dir = self::uploadDir();
        if (file_put_contents($dir.'/'.$id, $data) === false
            || file_put_contents($dir.'/'.$id.'.json', json_encode(['mimetype' => $mimetype])) === false) {
            return $this->error('the image could not be stored', 500);
        }

        return response()->json(['id' => $id]);
    }

    public function show(string $imageId)
    {
        if (!preg_match(self::ID_PATTERN, $imageId)) {
            return $this->error('image not found', 404);
        }
        $path = self::uploadDir().'/'.$imageId;
        $meta = is_file($path.'.json') ? json_decode((string) file_get_contents($path.'.json'), true) : null;
        if (!is_file($path) || !is_array($meta) || !is_string($meta['mimetype'] ?? null)) {
            return $this->error('image not found', 404);
        }

        return response()->stream(function () use ($path) {
            readfile($path);
        }, 200, [
            'Content-Type' => $meta['mimetype'],
            'Content-Length' => (string) filesize($path),
            'Content-Disposition' => 'inline',
            'X-Content-Type-Options' => 'nosniff',
            'Content-Security-Policy' => "default-src 'none'; sandbox",
        ]);
    }

    /** The image type given by the file's leading bytes, or null. SVG is not accepted (it can hold script). */
    private static function sniffImageType(string $data): ?string
    {
        $signatures = [
            "\x89PNG\r\n\x1a\n" => 'image/png',
            "\xff\xd8\xff" => 'image/jpeg',
            'GIF87a' => 'image/gif',
            'GIF89a' => 'image/gif',
            'BM' => 'image/bmp',
            "II*\x00" => 'image/tiff',
            "MM\x00*" => 'image/tiff',
            "\x00\x00\x01\x00" => 'image/x-icon',
        ];
        foreach ($signatures as $magic => $type) {
            if (str_starts_with($data, $magic)) {
                return $type;
            }
        }
        if (substr($data, 0, 4) === 'RIFF' && substr($data, 8, 4) === 'WEBP') {
            return 'image/webp';
        }
        if (substr($data, 4, 4) === 'ftyp') {
            $brand = substr($data, 8, 4);
            if (in_array($brand, ['avif', 'avis'], true)) {
                return 'image/avif';
            }
            if (in_array($brand, ['heic', 'heix', 'mif1', 'msf1'], true)) {
                return 'image/heic';
            }
        }
        return null;
    }

    private function error(string $message, int $status)
    {
        return response()->json(['error' => $message], $status);
    }
}
