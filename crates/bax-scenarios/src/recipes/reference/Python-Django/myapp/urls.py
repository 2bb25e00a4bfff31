# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the Recipes scenario (Django): the API's routes.
from django.urls import path

from . import views

urlpatterns = [
    path("recipes", views.overview, name="overview"),
    path("recipes/upload", views.upload, name="upload"),
    path("recipes/<int:recipe_id>", views.show, name="show"),
    path("recipes/<int:recipe_id>/comments", views.add_comment, name="add_comment"),
    path("recipes/<int:recipe_id>/ratings", views.add_rating, name="add_rating"),
]
