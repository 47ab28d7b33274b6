"""Chart builders: DataFrame in, plotly figure out. No st. calls here."""
