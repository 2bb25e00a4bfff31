<?php
// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Wiki scenario: routes.

/** @var \Laravel\Lumen\Routing\Router $router */

$router->get('/entries', 'EntryController@index');
$router->post('/entries', 'EntryController@store');
$router->get('/entries/{entryId}', 'EntryController@show');
$router->put('/entries/{entryId}', 'EntryController@update');
$router->get('/entries/{entryId}/edits', 'EntryController@edits');
