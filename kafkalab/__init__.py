"""kafkalab: learn how Apache Kafka really behaves, by experiment."""
