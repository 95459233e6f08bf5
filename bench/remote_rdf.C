// ADL q5 and q8 in RDataFrame over a TChain, for remote files (bench/remote_peers.py, issue #15):
// ROOT 6.40's RDataFrame("Events", "root://...") opens a local path, a TChain opens the URL.
// The query code is that of ../../shared/bench/adl_rdf.C (found on the include path).
#include "adl_rdf.C"
#include <TChain.h>

// Runs `query` (q5 or q8) over the tree "Events" of `url`; writes the histogram to `out` (a ROOT
// file); returns the number of events processed.
long long adl_rdf_chain(const char* url, const char* query, const char* out) {
  using namespace adl;
  TChain chain("Events");
  chain.Add(url);
  ROOT::RDataFrame df(chain);
  std::string q(query);
  auto count = df.Count();
  ROOT::RDF::RResultPtr<TH1D> h;
  if (q == "q5")
    h = df.Filter(dimuonPass, {"Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass", "Muon_charge"})
            .Histo1D<float>({"q5", "MET", 100, 0, 200}, "MET_pt");
  else
    h = df.Filter([](const RVecF& mu, const RVecF& el) { return mu.size() + el.size() >= 3; }, {"Muon_pt", "Electron_pt"})
            .Define("mt", q8mt, {"Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass", "Muon_charge",
                                 "Electron_pt", "Electron_eta", "Electron_phi", "Electron_mass", "Electron_charge", "MET_pt", "MET_phi"})
            .Filter([](double mt) { return mt >= 0; }, {"mt"})
            .Histo1D<double>({"q8", "Transverse mass", 100, 0, 200}, "mt");
  TFile f(out, "RECREATE");
  h->Write();
  f.Close();
  return *count;
}
