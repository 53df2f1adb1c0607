using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetVae.TestWriter;

/// <summary>What a pipeline tells a user: its transformed view, its VAE step's public properties, and its errors.</summary>
/// <param name="Table">The transformed test rows.</param>
/// <param name="Threshold">The VAE step's threshold.</param>
/// <param name="Score">Its anomaly score.</param>
/// <param name="Options">Its options, as JSON.</param>
/// <param name="BadRows">The error (type and message) each bad file gets, or "no error".</param>
/// <param name="NarrowColumn">The error a feature column one slot short gets.</param>
public sealed record PipelineBehaviour(ViewDump.Table Table, string Threshold, string Score, string Options, string[] BadRows, string NarrowColumn)
{
    /// <summary>The behaviour of <paramref name="pipeline"/> on the files read by <paramref name="load"/>.</summary>
    public static PipelineBehaviour Observe(ITransformer pipeline, Func<string, IDataView> load, string data, string[] bad)
    {
        var vae = VaeTransformer.FindIn(pipeline) ?? throw new InvalidOperationException("no VAE step in the pipeline");
        static string Error(Action act)
        {
            try
            {
                act();
                return "no error";
            }
            catch (Exception e)
            {
                return $"{e.GetType().Name}: {e.Message}";
            }
        }
        var narrow = new DataViewSchema.Builder();
        narrow.AddColumn(vae.Options.FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, vae.Model.Features - 1));
        var options = new JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
        return new PipelineBehaviour(ViewDump.Of(pipeline.Transform(load(data))), vae.Threshold.ToString(), vae.AnomalyScore.ToString(),
            JsonSerializer.Serialize(vae.Options, options), bad.Select(f => Error(() => ViewDump.Of(pipeline.Transform(load(f))))).ToArray(),
            Error(() => vae.GetOutputSchema(narrow.ToSchema())));
    }
}
