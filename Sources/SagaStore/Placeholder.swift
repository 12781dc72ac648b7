public enum SagaStoreModule {}
