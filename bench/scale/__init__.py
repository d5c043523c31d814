"""Scale simulation (`make scale`): a realistic day of many shops played through the real
webhook endpoints, on databases seeded to 10k, 100k and 1M orders, with the cost per order."""
