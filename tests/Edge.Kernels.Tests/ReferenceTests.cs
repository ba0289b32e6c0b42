namespace SegMan.Edge.Kernels.Tests;

/// <summary>The managed references against cases worked out by hand, so that they can be trusted as oracles.</summary>
public sealed class ReferenceTests
{
    [Fact]
    public void ScanOrdersVisitRowsColumnsAndTheirReverses()
    {
        // 2x3 map, positions numbered row-major 0..5.
        int[] Order(int k) => Enumerable.Range(0, 6).Select(t => SelectiveScan2DReference.ScanPosition(k, t, 2, 3)).ToArray();
        Assert.Equal([0, 1, 2, 3, 4, 5], Order(0));
        Assert.Equal([0, 3, 1, 4, 2, 5], Order(1));
        Assert.Equal([5, 4, 3, 2, 1, 0], Order(2));
        Assert.Equal([5, 2, 4, 1, 3, 0], Order(3));
    }

    [Fact]
    public void ScanOfOneRowIsAFirstOrderRecurrencePerDirection()
    {
        // 1x2 map, D = 1, N = 1, no softplus: directions 0/1 run forward, 2/3 backward; A = -1, Δ = 0.5, B = C = 1.
        var shape = new SelectiveScan2DShape(1, 1, 1, 2, 1);
        double[] u = [1, 2];
        var delta = Enumerable.Repeat(0.5, 8).ToArray();
        var ones = Enumerable.Repeat(1.0, 8).ToArray();
        double[] a = [-1, -1, -1, -1];
        double[] d = [0.25, 0, 0, 0];
        var y = SelectiveScan2DReference.Run(shape, u, delta, ones, ones, a, d, new double[4], deltaSoftplus: false);
        var decay = Math.Exp(-0.5);
        // forward: h0 = 0.5, h1 = decay*0.5 + 1; backward: h1' = 1, h0' = decay*1 + 0.5; each used by two directions.
        Assert.Equal((2 * 0.5) + (2 * ((decay * 1) + 0.5)) + (0.25 * 1), y[0], 12);
        Assert.Equal((2 * ((decay * 0.5) + 1)) + (2 * 1.0) + (0.25 * 2), y[1], 12);
    }

    [Fact]
    public void SoftplusUsesTheThresholdOfTwenty()
    {
        var shape = new SelectiveScan2DShape(1, 1, 1, 1, 1);
        double Y(double rawDelta)
        {
            var delta = new[] { rawDelta, 0, 0, 0 };
            double[] c = [1, 0, 0, 0];
            return SelectiveScan2DReference.Run(shape, [1.0], delta, [1, 1, 1, 1], c, [-1, -1, -1, -1], new double[4], new double[4])[0];
        }

        Assert.Equal(Math.Log(1 + Math.Exp(0.3)), Y(0.3), 12);
        Assert.Equal(25.0, Y(25.0), 12);
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(5, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    public void WindowsHaveKKeysInsideTheMapInTheQueryPhase(int kernel, int dilation)
    {
        for (var size = kernel * dilation; size < (kernel * dilation) + 7; size++)
        {
            for (var i = 0; i < size; i++)
            {
                var start = NeighborhoodAttention2DReference.WindowStart(i, size, kernel, dilation);
                Assert.InRange(start, 0, size - 1);
                Assert.InRange(start + ((kernel - 1) * dilation), 0, size - 1);
                Assert.Equal(0, (start - i) % dilation);
            }
        }
    }

    [Fact]
    public void BorderWindowsShiftInwardsInsteadOfPadding()
    {
        Assert.Equal(0, NeighborhoodAttention2DReference.WindowStart(0, 10, 5, 1));
        Assert.Equal(0, NeighborhoodAttention2DReference.WindowStart(2, 10, 5, 1));
        Assert.Equal(3, NeighborhoodAttention2DReference.WindowStart(5, 10, 5, 1));
        Assert.Equal(5, NeighborhoodAttention2DReference.WindowStart(9, 10, 5, 1));
        // dilation 2, K 3, S 7: NATTEN's rule keeps the query's parity.
        Assert.Equal(0, NeighborhoodAttention2DReference.WindowStart(1, 7, 3, 2) - 1);
        Assert.Equal(2, NeighborhoodAttention2DReference.WindowStart(6, 7, 3, 2));
        Assert.Equal(1, NeighborhoodAttention2DReference.WindowStart(5, 7, 3, 2));
    }

    [Fact]
    public void ZeroQueriesWithoutBiasAverageTheWindow()
    {
        var shape = new NeighborhoodAttention2DShape(1, 1, 3, 4, 1, 3);
        double[] v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var output = NeighborhoodAttention2DReference.Run(shape, new double[12], new double[12], v, []);
        // query (0,0): rows 0..2, cols 0..2 -> mean of 1,2,3,5,6,7,9,10,11 = 6; query (2,3): cols 1..3 -> 7.
        Assert.Equal(6.0, output[0], 12);
        Assert.Equal(7.0, output[11], 12);
    }

    [Fact]
    public void BiasOnOneOffsetConcentratesAttentionThere()
    {
        // A large bias on relative offset (+1, 0) makes every interior query copy the value one row below it.
        var shape = new NeighborhoodAttention2DShape(1, 1, 5, 5, 1, 3);
        var v = Enumerable.Range(0, 25).Select(x => (double)x).ToArray();
        var rpb = new double[25];
        rpb[(3 * 5) + 2] = 100; // row (ki - i) + K - 1 = 3, column 2
        var output = NeighborhoodAttention2DReference.Run(shape, new double[25], new double[25], v, rpb);
        Assert.Equal(v[(2 * 5) + 2], output[(1 * 5) + 2], 6);
        Assert.Equal(v[(3 * 5) + 3], output[(2 * 5) + 3], 6);
    }
}
