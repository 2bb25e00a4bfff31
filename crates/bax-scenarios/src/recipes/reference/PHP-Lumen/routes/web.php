<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Recipes scenario: routes.

/** @var \Laravel\Lumen\Routing\Router $router */

$router->post('/recipes/upload', 'RecipeController@upload');
$router->get('/recipes', 'RecipeController@overview');
$router->get('/recipes/{recipeId}', 'RecipeController@show');
$router->post('/recipes/{recipeId}/comments', 'RecipeController@comment');
$router->post('/recipes/{recipeId}/ratings', 'RecipeController@rate');
