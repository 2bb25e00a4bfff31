<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// ProductCatalog scenario: routes.

/** @var \Laravel\Lumen\Routing\Router $router */

$router->post('/add', 'ProductController@add');
$router->get('/search', 'ProductController@search');
$router->get('/download', 'ProductController@download');
$router->post('/upload', 'ProductController@upload');
