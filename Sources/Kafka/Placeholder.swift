public enum KafkaModule {}
