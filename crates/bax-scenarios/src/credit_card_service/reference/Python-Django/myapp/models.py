# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the CreditCardService scenario (Django): card-to-phone links.
from django.db import models


class CardPhone(models.Model):
    credit_card = models.CharField(max_length=64)
    phone = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credit_card", "phone"], name="unique_card_phone"),
        ]
