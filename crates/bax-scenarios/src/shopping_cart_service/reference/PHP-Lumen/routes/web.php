<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShoppingCartService scenario: routes.

/** @var \Laravel\Lumen\Routing\Router $router */

$router->post('/create_cart', 'CartController@create');
$router->post('/add_to_cart', 'CartController@add');
$router->post('/retrieve_cart', 'CartController@retrieve');
