# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ShoppingCartService scenario (Django): carts and their items.
import secrets

from django.db import models


def new_cart_id():
    # Unguessable: 192 random bits.
    return secrets.token_urlsafe(24)


class Cart(models.Model):
    cart_id = models.CharField(max_length=64, primary_key=True, default=new_cart_id)
    created_at = models.DateTimeField(auto_now_add=True)


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    item_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "item_id"], name="unique_cart_item"),
        ]
