# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ProductCatalog scenario (Django): products and their free-form properties.
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10_000, unique=True)

    def as_dict(self):
        out = {"name": self.name}
        for prop in self.properties.all():
            out[prop.key] = prop.value
        return out


class Property(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="properties")
    key = models.CharField(max_length=10_000)
    value = models.TextField(db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="unique_product_key"),
        ]
