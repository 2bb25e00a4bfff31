<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Calculator scenario: numbers, + - * / % ^ (or **), unary signs and parentheses only.

namespace App\Support;

class ExpressionParser
{
    private const MAX_DEPTH = 100;
    private const MAX_EXPONENT = 100;
    private const MAX_MAGNITUDE = 1e100;

    /** @var array<int, string> */
    private array $tokens = [];
    private int $pos = 0;
    private int $depth = 0;

    public function __construct(string $expression)
    {
        $source = rtrim($expression);
        preg_match_all('/\G\s*(\d+(?:\.\d+)?|\.\d+|\*\*|[-+*\/%^()])/', $source, $m);
        if (strlen(implode('', $m[0])) !== strlen($source)) {
            throw new InvalidExpression('unexpected character');
        }
        $this->tokens = $m[1];
    }

    /** @return int|float */
    public function parse()
    {
        if ($this->tokens === []) {
            throw new InvalidExpression('empty expression');
        }
        $value = $this->expression();
        if ($this->pos !== count($this->tokens)) {
            throw new InvalidExpression('trailing input');
        }
        return $value;
    }

    private function peek(): ?string
    {
        return $this->tokens[$this->pos] ?? null;
    }

    private function expression()
    {
        $value = $this->term();
        while (in_array($this->peek(), ['+', '-'], true)) {
            $op = $this->tokens[$this->pos++];
            $right = $this->term();
            $value = $this->checked($op === '+' ? $value + $right : $value - $right);
        }
        return $value;
    }

    private function term()
    {
        $value = $this->unary();
        while (in_array($this->peek(), ['*', '/', '%'], true)) {
            $op = $this->tokens[$this->pos++];
            $right = $this->unary();
            if ($op === '*') {
                $value = $this->checked($value * $right);
                continue;
            }
            if ($right == 0) {
                throw new InvalidExpression('division by zero');
            }
            if ($op === '/') {
                $value = $this->checked($value / $right);
            } else {
                $value = $this->checked(fmod($value, $right));
            }
        }
        return $value;
    }

    private function unary()
    {
        if (in_array($this->peek(), ['+', '-'], true)) {
            $op = $this->tokens[$this->pos++];
            $this->enter();
            $value = $this->unary();
            $this->depth--;
            return $op === '-' ? -$value : $value;
        }
        return $this->power();
    }

    private function power()
    {
        $base = $this->primary();
        if (in_array($this->peek(), ['^', '**'], true)) {
            $this->pos++;
            $this->enter();
            $exponent = $this->unary();
            $this->depth--;
            if (abs($exponent) > self::MAX_EXPONENT || abs($base) > self::MAX_MAGNITUDE) {
                throw new InvalidExpression('exponent too large');
            }
            if ($base == 0 && $exponent < 0) {
                throw new InvalidExpression('division by zero');
            }
            return $this->checked($base ** $exponent);
        }
        return $base;
    }

    private function primary()
    {
        $token = $this->peek();
        if ($token === null) {
            throw new InvalidExpression('unexpected end of expression');
        }
        if ($token === '(') {
            $this->pos++;
            $this->enter();
            $value = $this->expression();
            $this->depth--;
            if ($this->peek() !== ')') {
                throw new InvalidExpression('missing )');
            }
            $this->pos++;
            return $value;
        }
        if (is_numeric($token)) {
            $this->pos++;
            return ctype_digit($token) && strlen($token) < 18 ? (int) $token : (float) $token;
        }
        throw new InvalidExpression('unexpected token');
    }

    private function enter(): void
    {
        if (++$this->depth > self::MAX_DEPTH) {
            throw new InvalidExpression('expression nested too deeply');
        }
    }

    private function checked($value)
    {
        if (is_float($value) && (is_nan($value) || is_infinite($value))) {
            throw new InvalidExpression('result out of range');
        }
        if (abs($value) > self::MAX_MAGNITUDE) {
            throw new InvalidExpression('result too large');
        }
        return $value;
    }
}
