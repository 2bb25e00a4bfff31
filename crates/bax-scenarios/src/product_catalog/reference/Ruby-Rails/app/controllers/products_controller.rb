# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# ProductCatalog scenario: add, export, import and search products.
class ProductsController < ApplicationController
  MAX_QUERY_LENGTH = 1000

  # The JSON body is the product itself; keep it as sent.
  wrap_parameters false

  def create
    attributes = request.request_parameters
    unless Product.valid_attributes?(attributes) && attributes["name"].present?
      return render json: { error: "name is required and every property must be a string" }, status: :bad_request
    end

    product = Product.new(name: attributes["name"])
    product.properties = attributes.except("name")
    if product.save
      render json: { message: "Product added" }, status: :created
    else
      render json: { error: "Invalid or duplicate product" }, status: :bad_request
    end
  rescue ActiveRecord::RecordNotUnique
    render json: { error: "Invalid or duplicate product" }, status: :bad_request
  end

  def download
    product = find_product(params[:name])
    return render json: { error: "Product not found" }, status: :not_found unless product

    render json: { data: product.export }
  end

  def upload
    product = find_product(params[:name])
    data = params[:data]
    return render json: { error: "Product not found" }, status: :not_found unless product
    unless data.is_a?(String) && data.length <= Product::MAX_LENGTH * 10 && product.import(data)
      return render json: { error: "Invalid data" }, status: :bad_request
    end

    render json: { message: "Product updated" }
  end

  def search
    query = params[:query]
    unless query.is_a?(String) && query.present? && query.length <= MAX_QUERY_LENGTH
      return render json: { error: "query must be a non-empty string" }, status: :bad_request
    end

    render json: { results: Product.search(query).map(&:attributes_hash) }
  end

  private

  def find_product(name)
    Product.find_by(name: name) if name.is_a?(String)
  end
end
