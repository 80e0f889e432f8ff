from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0003_encrypt_existing_values"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="phone",
            constraint=models.UniqueConstraint(
                fields=("customer", "number_index"), name="phone_unique_per_customer"
            ),
        ),
    ]
