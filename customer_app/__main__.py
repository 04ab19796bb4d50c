from customer_app.main import cli

cli()
