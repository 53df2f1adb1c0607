using MlNetVae.TestWriter;

// A separate process for the tests: one mode per job (see each mode's class).
//   atomic-write PATH        start an atomic write of PATH, say "writing" once bytes are in the temporary file, wait to be killed (exit 3 if the write returns)
//   dump MODEL.zip DATA.tsv  reload an ML.NET model zip with a fresh MLContext, transform the data, print every column as JSON
//   restored MODEL.zip DATA.tsv BAD.tsv...  the same after mlContext.Model.RestoreVariationalAutoencoder, with the VAE's
//                            public properties and the errors the bad files and a too-narrow feature column get
//   gpu MODEL.zip DATA.csv   score a CLI model with ONNX Runtime on CUDA device 0 (twice) and on the CPU; print the scores as JSON
//   fixture FOLDER           write the checked-in fixture model, its data and its expected scores (a one-off run)
return args.FirstOrDefault() switch
{
    "atomic-write" => Modes.AtomicWrite(args[1]),
    "dump" => Modes.Dump(args[1], args[2]),
    "restored" => Modes.Restored(args[1], args[2], args[3..]),
    "gpu" => Modes.Gpu(args[1], args[2]),
    "fixture" => FixtureModel.Write(args[1]),
    _ => Modes.Usage(),
};
