package solver

// TellingOrder is tellingOrder, for the external tests.
var TellingOrder = tellingOrder
