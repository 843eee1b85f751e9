{
  description = "Schmidhuber Problems: pure-numpy reproductions of Schmidhuber's synthetic learning problems";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs = { self, nixpkgs }:
    let
      # nixpkgs 26.05 no longer builds for Intel Macs (x86_64-darwin)
      systems = [ "x86_64-linux" "aarch64-linux" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            (pkgs.python3.withPackages (ps: [ ps.numpy ps.matplotlib ps.pillow ps.pytest ps.hypothesis ]))
            pkgs.mdbook
          ];
          # The stubs import the `shared` package; in the Nix shell it is found from the
          # repository root instead of being pip-installed.
          shellHook = ''
            export PYTHONPATH="$PWD''${PYTHONPATH:+:$PYTHONPATH}"
          '';
        };
      });
    };
}
