# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ShopOverview scenario (Django): merchants and their wares.
from django.db import models


class Merchant(models.Model):
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200)
    # A salted PBKDF2 digest from django.contrib.auth.hashers, never the password itself.
    password = models.CharField(max_length=256)


class Ware(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="wares")
    name = models.CharField(max_length=1000)
    description = models.TextField()
    price = models.FloatField(db_index=True)
