# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ShopOverview scenario (Django): the API's routes.
from django.urls import path

from . import views

urlpatterns = [
    path("merchants/register", views.register, name="register"),
    path("merchants/login", views.login, name="login"),
    path("merchants/upload-wares", views.upload_wares, name="upload_wares"),
    path("wares", views.list_wares, name="wares"),
]
