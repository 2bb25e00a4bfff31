<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ShopOverview scenario: routes.

/** @var \Laravel\Lumen\Routing\Router $router */

$router->post('/merchants/register', 'MerchantController@register');
$router->post('/merchants/login', 'MerchantController@login');
$router->post('/merchants/upload-wares', 'WareController@upload');
$router->get('/wares', 'WareController@index');
