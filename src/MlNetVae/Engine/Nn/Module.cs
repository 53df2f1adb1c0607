using MlNetVae.Engine.Autodiff;

namespace MlNetVae.Engine.Nn;

/// <summary>A layer: maps a batch [rows, in] to [rows, out] by recording ops on a tape.</summary>
public interface IModule
{
    /// <summary>Records this module's forward pass on <paramref name="tape"/>.</summary>
    Node Forward(Tape tape, Node x);
}
