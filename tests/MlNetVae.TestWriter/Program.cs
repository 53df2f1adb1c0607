using MlNetVae.Cli.Output;

// Usage: MlNetVae.TestWriter PATH. Starts an atomic write of PATH, says "writing" on stdout once bytes are in the
// temporary file, then waits to be killed. Exit code 3 if the write ever returns.
AtomicFile.Write(args[0], stream =>
{
    stream.Write("partial contents"u8);
    stream.Flush();
    Console.WriteLine("writing");
    Thread.Sleep(Timeout.Infinite);
});
return 3;
