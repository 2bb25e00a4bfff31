<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// CreditCardService scenario: routes.

/** @var \Laravel\Lumen\Routing\Router $router */

$router->post('/associate_card', 'CardController@associate');
$router->post('/retrieve_cards', 'CardController@retrieve');
