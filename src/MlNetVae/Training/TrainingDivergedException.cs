namespace MlNetVae;

/// <summary>Training diverged: the loss became NaN or infinite, or rose far above where it started.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
