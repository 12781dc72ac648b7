public enum SagaCoreModule {}
