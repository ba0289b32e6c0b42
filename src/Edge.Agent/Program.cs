namespace SegMan.Edge.Agent;
internal static class Program { private static int Main() => 0; }
