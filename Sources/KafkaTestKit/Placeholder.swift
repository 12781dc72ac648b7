public enum KafkaTestKitModule {}
