<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Calculator scenario: raised for any expression the parser rejects.

namespace App\Support;

class InvalidExpression extends \RuntimeException
{
}
