# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the CreditCardService scenario (Django): the API's routes.
from django.urls import path

from . import views

urlpatterns = [
    path("associate_card", views.associate_card, name="associate_card"),
    path("retrieve_cards", views.retrieve_cards, name="retrieve_cards"),
]
