# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the RecommendationService scenario (Django): products and their tags.
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=500)


class ProductTag(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=200, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "tag"], name="unique_product_tag"),
        ]
