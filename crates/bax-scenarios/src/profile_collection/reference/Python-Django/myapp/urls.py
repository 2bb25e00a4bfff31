# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ProfileCollection scenario (Django): the API's routes.
from django.urls import path

from . import views

urlpatterns = [
    path("add_profile", views.add_profile, name="add_profile"),
    path("profile/<str:username>", views.get_profile, name="profile"),
    path("profile-photo/<str:username>", views.get_profile_photo, name="profile_photo"),
]
