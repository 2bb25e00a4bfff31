# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ShoppingCartService scenario (Django): the API's routes.
from django.urls import path

from . import views

urlpatterns = [
    path("create_cart", views.create_cart, name="create_cart"),
    path("add_to_cart", views.add_to_cart, name="add_to_cart"),
    path("retrieve_cart", views.retrieve_cart, name="retrieve_cart"),
]
