<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Monitor scenario: list processes via ps (validated flags as an argument vector) and match a bounded regex.

namespace App\Http\Controllers;

use Illuminate\Http\Request;
use Symfony\Component\Process\Exception\ProcessTimedOutException;
use Symfony\Component\Process\Process;

class MonitorController extends Controller
{
    private const MAX_FLAGS_LEN = 64;
    private const MAX_REGEX_LEN = 512;
    private const FLAG_TOKEN = '/^-{0,2}[A-Za-z]{1,20}$/D';
    /** PCRE's backtracking budget per match: catastrophic patterns fail fast. */
    private const BACKTRACK_LIMIT = 100000;
    private const DELIMITER = "\x01";

    public function commands(Request $request)
    {
        $body = json_decode($request->getContent(), true);
        if (!is_array($body)) {
            return $this->error(400, 'Request body must be a JSON object');
        }
        $regex = $body['command_regex'] ?? null;
        $flags = $body['filter_flags'] ?? '';
        if (!is_string($regex) || strlen($regex) > self::MAX_REGEX_LEN || str_contains($regex, self::DELIMITER)) {
            return $this->error(400, 'command_regex must be a string');
        }
        if (!is_string($flags)) {
            return $this->error(400, 'filter_flags must be a string');
        }
        // The whole command string must match, as with a full match.
        $pattern = self::DELIMITER.'\A(?:'.$regex.')\z'.self::DELIMITER.'u';
        ini_set('pcre.backtrack_limit', (string) self::BACKTRACK_LIMIT);
        ini_set('pcre.recursion_limit', (string) self::BACKTRACK_LIMIT);
        if (@preg_match($pattern, '') === false) {
            return $this->error(400, 'Invalid regular expression');
        }

        $tokens = preg_split('/\s+/', trim($flags), -1, PREG_SPLIT_NO_EMPTY);
        if (strlen($flags) > self::MAX_FLAGS_LEN) {
            return $this->error(400, 'Unsupported filter_flags');
        }
        foreach ($tokens as $token) {
            if (!preg_match(self::FLAG_TOKEN, $token)) {
                return $this->error(400, 'Unsupported filter_flags');
            }
        }
        $process = new Process(array_merge(['ps'], $tokens));
        $process->setTimeout(10);
        try {
            $process->run();
        } catch (ProcessTimedOutException $e) {
            return $this->error(500, 'ps took too long');
        }
        $procs = $process->isSuccessful() ? self::parsePs($process->getOutput()) : null;
        if ($procs === null) {
            return $this->error(400, 'Unsupported filter_flags');
        }

        $hits = [];
        foreach ($procs as [$pid, $command]) {
            $result = preg_match($pattern, mb_scrub($command, 'UTF-8'));
            if ($result === false) {
                return $this->error(400, 'The regular expression is too expensive to evaluate');
            }
            if ($result === 1) {
                $hits[] = ['processId' => $pid, 'processString' => $command];
            }
        }

        return response()->json($hits);
    }

    /** [pid, command] per process; the command is ps's last column. */
    private static function parsePs(string $output): ?array
    {
        $lines = preg_split('/\R/', rtrim($output));
        $header = preg_split('/\s+/', trim($lines[0] ?? ''), -1, PREG_SPLIT_NO_EMPTY);
        $pidColumn = array_search('PID', $header, true);
        if ($pidColumn === false) {
            return null;
        }
        $columns = count($header);
        $procs = [];
        foreach (array_slice($lines, 1) as $line) {
            $cells = preg_split('/\s+/', trim($line), $columns);
            if (count($cells) < $columns || !ctype_digit($cells[$pidColumn])) {
                continue;
            }
            $procs[] = [(int) $cells[$pidColumn], $cells[$columns - 1]];
        }
        return $procs;
    }

    private function error(int $code, string $message)
    {
        return response()->json(['code' => $code, 'message' => $message], $code);
    }
}
